"""`courtroom demo`'s words for the catalogue (controller/texts.py): the tour, step by step, and its case system
and live stream lines (controller/streaming/demo.py).

Kept apart from the console's words only to keep each module a few screens long; ``texts.CATALOGUE`` holds them
all, and ``texts.text()`` reads them as it reads any other key.
"""

from __future__ import annotations

DEMO: dict[str, tuple[str, str]] = {
    "demo.ok": ("成功", "ok"),
    "demo.error": ("{plain} | {code}: {message}", "{plain} | {code}: {message}"),
    "demo.step1": (
        "\n1. 把每个席位的镜头存为其摄像机的 0 号预置位（先绝对定位，再 preset_set）：",
        "\n1. Store each seat's shot as preset 0 on its camera (absolute move, then preset_set):",
    ),
    "demo.step2": (
        "\n2. 错误的输入在发到线路之前就被拒绝：",
        "\n2. Bad input is refused before it reaches the wire:",
    ),
    "demo.step3": (
        "\n"
        "3. 开庭：先做庭前检查，再开庭；场景宏打开显示设备、切到各席位镜头，\n"
        "   并以房间和案号命名的片段启动两台录像机：",
        "\n"
        "3. The hearing: pre-hearing check, then open; the scene macro powers the displays, takes\n"
        "   each seat's shot and starts both recorders with a clip named after the room and case:",
    ),
    "demo.hearing_state": (
        "   庭审状态：{phase}，录像：{recording}，录像机：{recorders}",
        "   hearing/state: {state}, recording={recording}, recorders={recorders}",
    ),
    "demo.step4": (
        "\n4. 声像联动：代表按下话筒按钮，该席位的摄像机切到其镜头：",
        "\n4. Voice-follow: delegates press their microphone buttons; the seat's camera takes its shot:",
    ),
    "demo.mic_shot": ("   {seat_no} 号话筒打开 -> 镜头：{seat_name}", "   mic {seat_no} on -> shot: {seat}"),
    "demo.foot": (
        "\n   不用鼠标：录像指示灯亮着；书记员踩一下脚踏开关，添加一个标记：",
        "\n   Without the mouse: the recording light is on; the clerk taps the foot switch to add a mark:",
    ),
    # state values the tour prints, in Chinese (in English the MQTT contract's own words are printed)
    "demo.value.True": ("是", "yes"),
    "demo.value.False": ("否", "no"),
    "demo.value.red": ("红色", "red"),
    "demo.value.green": ("绿色", "green"),
    "demo.value.amber": ("琥珀色", "amber"),
    "demo.value.ok": ("正常", "ok"),
    "demo.value.no_signal": ("无信号", "no signal"),
    "demo.value.black": ("黑屏", "black"),
    "demo.value.frozen": ("冻结", "frozen"),
    "demo.light": ("   录像指示灯：亮 {on}，颜色 {color}", "   rec-light on={on} color={color}"),
    "demo.mark": (
        "   标记（{actor}）：{text}，录像第 {offset} 秒",
        "   hearing/event mark by {actor}: {text} at {offset} s",
    ),
    "demo.signals": (
        "\n   信号：每个席位的话筒电平和语音活动，摄像机画面每秒检查两次：",
        "\n   Signals: microphone levels and voice activity per seat, camera pictures checked twice a second:",
    ),
    "demo.seat_level": ("{seat} {level} dBFS{speaking}", "{seat} {level} dBFS{speaking}"),
    "demo.speaking": (" 发言中", " speaking"),
    "demo.picture": (
        "   {device}：画面{signal}，{fps} 帧/秒，{width}x{height}",
        "   {device}: signal={signal} fps={fps} {width}x{height}",
    ),
    "demo.step5": (
        "\n5. 休庭：录像暂停；恢复时开始一个新片段：",
        "\n5. A recess: the recording pauses; resuming starts a new clip:",
    ),
    "demo.recess_state": (
        "   庭审状态：{phase}（{label}），录像：{recording}",
        "   hearing/state: {state} ({label}), recording={recording}",
    ),
    "demo.step6": (
        "\n6. 录像机故障：有人按下了录像主机的停止键。立即报“未在录像”，\n   中控重新启动录像并说明：",
        "\n"
        "6. A recorder fault: someone presses stop on the recording host. NOT RECORDING is raised at once,\n"
        "   the controller restarts the recording and says so:",
    ),
    "demo.alarm_raised": ("   告警（{severity}）：{text}", "   hearing/event alarm_raised ({severity}): {text}"),
    "demo.severity.critical": ("严重", "critical"),
    "demo.severity.warning": ("警告", "warning"),
    "demo.recovery": ("   录像恢复尝试：{action} {outcome}", "   hearing/event recovery_attempt: {action} ok={ok}"),
    "demo.recovery_ok": ("成功", "ok"),
    "demo.recovery_failed": ("失败", "failed"),
    "demo.alarm_cleared": ("   告警在 {seconds} 秒后解除", "   hearing/event alarm_cleared after {seconds} s"),
    "demo.step7": (
        "\n"
        "7. 日志的头部：每次庭审状态变化时用房间的 Ed25519 密钥签名，并保留发布在\n"
        "   $ctl/journal 上：这是中控平台保存的锚点（被截短或重新串链的日志无法通过校验）：",
        "\n"
        "7. The journal's head, signed with the room's Ed25519 key at every transition and published retained on\n"
        "   $ctl/journal: the anchor the central platform keeps (a journal cut short or re-chained fails it):",
    ),
    "demo.checkpoint": (
        "   $ctl/journal：第 {seq} 行，哈希 {hash}\n   签名 {signature}… 密钥 {fingerprint}",
        "   $ctl/journal: row {seq} hash {hash}\n   signature {signature}… key {fingerprint}",
    ),
    "demo.verified": (
        "   courtroom journal verify --anchor {anchor}…：{result}",
        "   courtroom journal verify --anchor {anchor}…: {result}",
    ),
    "demo.step8": (
        "\n8. 案卷记录（courtroom journal export，先校验），附故障的第四条说明：",
        "\n8. The case-file record (courtroom journal export, verified first), with the fault's Art.4 statement:",
    ),
    "demo.pdf": (
        "\n   同一记录的 A4 PDF（courtroom journal export --format pdf）：{pdf}",
        "\n   The same record as an A4 PDF (courtroom journal export --format pdf): {pdf}",
    ),
    "demo.soft1": (
        "\n"
        "   软件录像：每台摄像机、合成画面和每个席位音轨的封存片段，按庭审的签名清单列出，\n"
        "   并在两个存储中校验（courtroom recording list|verify）：",
        "\n"
        "   The software recording: sealed segments per camera, the composite and the seat tracks, listed from\n"
        "   the hearing's signed manifest and checked in both stores (courtroom recording list|verify):",
    ),
    "demo.soft_unsettled": (
        "   （20 秒内仍有片段未封存或未备份完毕；以下为当前状态）",
        "   (some segments were not yet sealed or backed up after 20 s; this is how they stand)",
    ),
    "demo.soft2": (
        "   （自己运行：.venv/bin/courtroom recording verify {hearing} --config <中控的 room.yaml>）",
        "   (to run it yourself: .venv/bin/courtroom recording verify {hearing} --config <the daemon's room.yaml>)",
    ),
    "demo.step9": (
        "\n9. 中控平台看到的房间（courtroom ctl status）：",
        "\n9. The room as the central platform sees it (courtroom ctl status):",
    ),
    "demo.simulated": ("模拟法庭 {room}（{name}）", "Simulated courtroom {room} ({name})"),
    "demo.endpoint": ("  {device} 模拟于 {endpoint}", "  {device} simulated at {endpoint}"),
    "demo.broker": (
        "私有 mosquitto 在 127.0.0.1:{port}；中控配置 {config}",
        "Private mosquitto on 127.0.0.1:{port}; daemon config {config}",
    ),
    "demo.watch": ("\n查看房间的每条消息：", "\nWatch every message of the room:"),
    "demo.console": (
        "书记员控制台：{url}（用户 clerk、judge、technician；密码 {password}）",
        "The clerk console: {url}  (users clerk, judge, technician; password {password})",
    ),
    "demo.replay": (
        "回放页面（选择庭审，点击标记）：{url}replay",
        "The replay view (pick the hearing, click a mark): {url}replay",
    ),
    "demo.send": ("发送命令：", "Send a command:"),
    "demo.running": (
        "\n运行中。Ctrl-C 停止中控（所有设备在 MQTT 上变为离线）、模拟器和 broker。",
        "\nRunning. Ctrl-C stops the daemon (every device goes offline on MQTT), the simulator and the broker.",
    ),
    "demo.failed": ("演示失败：{plain}：{error}", "demo failed: {error}"),
    # the case system and the live stream in the tour (controller/streaming/demo.py)
    "demo.live.no_schedule": (
        "   案件系统没有给出排期：{problem}",
        "   the case system gave no schedule: {problem}",
    ),
    "demo.live.case": (
        "   {start}  {case_no}  {cause}  {publicity}",
        "   {start}  {case_no}  {cause}  {publicity}",
    ),
    "demo.live.public": ("公开", "public"),
    "demo.live.not_public": ("不公开（{reason}）", "not public ({reason})"),
    "demo.live.open_failed": (
        "   {case_no} 开庭失败：{plain} | {message}",
        "   opening {case_no} failed: {message}",
    ),
    "demo.live.opened": (
        "   已从案件系统开庭：{case_no}（{cause}），庭审编号 {hearing_id}",
        "   opened {case_no} ({cause}) from the case system: {hearing_id}",
    ),
    "demo.live.no_stream": ("   不直播：{why}", "   no live stream: {why}"),
    "demo.live.on_air": (
        "   直播中：{url}（可用 ffplay 或 vlc 打开该地址观看）",
        "   on the air: {url}  (watch: ffplay or vlc on that address)",
    ),
    "demo.live.refused": ("   直播被拒绝：{why}", "   stream refused: {why}"),
}
