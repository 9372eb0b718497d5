"""The journal's words for the catalogue (controller/texts.py): its rows by kind (the journal table, `courtroom
ctl`) and what `courtroom journal verify` finds.

Kept apart from the console's words only to keep each module a few screens long; ``texts.CATALOGUE`` holds
them all, and ``texts.text()`` reads them as it reads any other key.
"""

from __future__ import annotations

from controller.journal.kinds import Kind

VERIFY: dict[str, tuple[str, str]] = {
    "verify.intact": ("日志 {path}：共 {rows} 行，哈希链完整", "journal {path}: {rows} rows, chain intact"),
    "verify.checkpoints": (
        "{checkpoints} 个签名检查点有效（密钥 {fingerprint}）",
        "{checkpoints} signed checkpoints valid (key {fingerprint})",
    ),
    "verify.anchor": ("与锚点 {seq}:{hash}… 一致", "reaches the anchor {seq}:{hash}…"),
    "verify.join": ("；", ", "),
    "verify.bad": ("日志 {path}：{problem}", "journal {path}: {problem}"),
    "verify.bad_row": ("日志 {path}：第 {seq} 行：{problem}", "journal {path}: row {seq}: {problem}"),
    "verify.head": ("日志头：第 {seq} 行 {hash}", "head: row {seq} {hash}"),
    "verify.latest": (
        "最新检查点：第 {row} 行，签署第 {seq} 行 {hash}（密钥 {fingerprint}）",
        "latest checkpoint: row {row} signs row {seq} {hash} (key {fingerprint})",
    ),
    "verify.export_refused": (
        "courtroom journal export：{summary}（加 --unverified 仍可导出，记录中会注明）",
        "courtroom journal export: {summary} (--unverified exports anyway, saying so)",
    ),
    "verify.export_head": ("{summary}；日志头第 {seq} 行 {hash}", "{summary}; head row {seq} {hash}"),
    "verify.written": ("记录已写入 {path}", "record written to {path}"),
    # why a row is bad (Verification.reason)
    "verify.problem.removed": (
        "该行的 prev_hash 与上一行的哈希不符（有行被删除）",
        "its prev_hash does not match the hash of the row before it (a row was removed)",
    ),
    "verify.problem.altered": (
        "该行内容与其哈希不符（该行被改动）",
        "its content does not match its hash (the row was altered)",
    ),
    "verify.problem.rechained": (
        "哈希链在改动后被重建：第 {checkpoint} 行的检查点签署的第 {signed} 行哈希不同；第 {matched} 行及以前仍与"
        "较早的检查点一致，改动位于第 {first}..{signed} 行",
        "the chain was rebuilt after a change: the checkpoint at row {checkpoint} signed row {signed} with another "
        "hash; rows up to {matched} still match an earlier checkpoint, so the change lies in rows {first}..{signed}",
    ),
    "verify.problem.anchor_mismatch": (
        "与锚点 {seq}:{hash} 不符（日志被改写）",
        "it does not match the anchor {seq}:{hash} (the journal was rewritten)",
    ),
    "verify.problem.cut_off": (
        "缺失：日志止于第 {head} 行，而锚点指向第 {seq} 行（第 {first}..{seq} 行被截去）",
        "missing: the journal ends at row {head} but the anchor names row {seq} (rows {first}..{seq} were cut off)",
    ),
    "verify.problem.unreadable_checkpoint": ("检查点无法读取：{error}", "the checkpoint cannot be read: {error}"),
    # `courtroom recording list|verify` (controller/recording/cli.py)
    "verify.rec.hearing": ("庭审 {hearing}（{case}），录像单元 {recorder}，存储 {store}",
                           "hearing {hearing} ({case}) on {recorder}, store {store}"),
    "verify.rec.times": ("  时间：{zone}（{offset}）", "  times: {zone} ({offset})"),
    "verify.rec.segment": ("  {file}  {start} 至 {end}  {bytes} 字节  sha256 {sha}…  {backup}",
                           "  {file}  {start} - {end}  {bytes} bytes  sha256 {sha}…  {backup}"),
    "verify.rec.backed": ("备份已校验", "backup verified"),
    "verify.rec.not_backed": ("尚无备份副本", "no backup copy yet"),
    "verify.rec.ok": ("{recorder}：庭审 {hearing}：签名有效，{checked} 个文件一致（{where}）",
                      "{recorder}: hearing {hearing}: signature ok, {checked} files match ({where})"),
    "verify.rec.bad": ("{recorder}：庭审 {hearing}：{where}：{problem}（其前 {checked} 个文件一致）",
                       "{recorder}: hearing {hearing}: {where}: {problem} ({checked} files before it match)"),
    "verify.rec.store": ("主存储", "store"),
    "verify.rec.backup": ("备份存储", "backup"),
    "verify.rec.signature": ("清单签名", "signature"),
    "verify.rec.problem.signature": ("清单的签名无法用本法庭的密钥验证", "the manifest's signature does not verify "
                                     "with the room's key"),
    "verify.rec.problem.unreadable": ("无法读取 {path}：{error}", "cannot read {path}: {error}"),
    "verify.rec.problem.hash": ("SHA-256 {digest} 与清单不符（文件被改动）",
                                "SHA-256 {digest} differs from the manifest's"),
    "verify.rec.problem.size": ("{size} 字节，清单记为 {expected}", "{size} bytes, the manifest says {expected}"),
    "verify.problem.wrong_key": (
        "检查点的签名密钥为 {signer}，不是本法庭的密钥 {room_key}",
        "the checkpoint is signed with key {signer}, not the room's key {room_key}",
    ),
    "verify.problem.forged": (
        "检查点的签名校验失败（被伪造或改动）",
        "the checkpoint's signature does not verify (it was forged or altered)",
    ),
}

# Journal rows by kind, as the journal table and ``courtroom ctl`` name them.
KIND_TEXTS: dict[str, tuple[str, str]] = {
    Kind.DAEMON_STARTED: ("中控启动", "controller started"),
    Kind.CONTROLLER_STOPPING: ("中控正在停止", "controller stopping"),
    Kind.DAEMON_STOPPED: ("中控已停止", "controller stopped"),
    Kind.CONTROLLER_GAP: ("中控停止运行的时段", "controller not running"),
    Kind.CHECKPOINT: ("日志签名", "journal signed"),
    Kind.JOURNAL_UNAVAILABLE: ("日志无法写入", "journal cannot write"),
    Kind.JOURNAL_AVAILABLE: ("日志恢复写入", "journal writes again"),
    Kind.JOURNAL_SPACE_LOW: ("日志空间不足", "journal space low"),
    Kind.JOURNAL_SPACE_OK: ("日志空间恢复", "journal space ok"),
    Kind.DEVICE_ONLINE: ("设备上线", "device online"),
    Kind.DEVICE_OFFLINE: ("设备离线", "device offline"),
    Kind.DEVICE_COMMAND: ("设备命令", "device command"),
    Kind.DEVICE_COMMAND_OUTCOME: ("设备命令结果", "device command result"),
    Kind.DEVICE_COMMAND_REFUSED: ("设备命令被拒绝", "device command refused"),
    Kind.RECORDER_REPORTED: ("录像机状态", "recorder state"),
    Kind.RECORDING_SEGMENT: ("录像片段封存", "recording segment sealed"),
    Kind.RECORDING_BACKUP: ("录像备份", "recording backed up"),
    Kind.HEARING_CHECK: ("庭前检查", "pre-hearing check"),
    Kind.HEARING_OPEN_REFUSED: ("开庭被拒（检查未通过）", "opening refused (check failed)"),
    Kind.CHECK_OVERRIDE: ("强制开庭", "opened despite the check"),
    Kind.HEARING_OPENED: ("开庭", "hearing opened"),
    Kind.HEARING_INTERRUPTED: ("中断", "interrupted"),
    Kind.HEARING_RESUMED: ("恢复", "resumed"),
    Kind.HEARING_CLOSED: ("闭庭", "hearing closed"),
    Kind.HEARING_REFUSED: ("操作被拒绝", "operation refused"),
    Kind.MARK: ("标记", "mark"),
    Kind.VOICE_FOLLOW: ("声像联动", "voice-follow"),
    Kind.SHOT: ("切换镜头", "shot"),
    Kind.SHOT_FAILED: ("切换镜头失败", "shot failed"),
    Kind.ALARM_BUTTON: ("告警按钮", "alarm button"),
    Kind.ALARM_RAISED: ("告警", "alarm"),
    Kind.ALARM_CLEARED: ("告警解除", "alarm cleared"),
    Kind.RECOVERY_ATTEMPT: ("录像恢复尝试", "recording recovery attempt"),
    Kind.MACRO_STEP_FAILED: ("场景步骤失败", "scene step failed"),
    Kind.CONSOLE_LOGIN: ("登录", "login"),
    Kind.CONSOLE_LOGIN_FAILED: ("登录失败", "failed login"),
    Kind.CONSOLE_LOGOUT: ("退出登录", "logout"),
    "alarm_acknowledged": ("告警已确认", "alarm acknowledged"),
    # the live stream's rows (controller/streaming, issue 16)
    "stream_started": ("开始直播", "stream started"),
    "stream_cut": ("暂停直播", "stream cut"),
    "stream_stopped": ("停止直播", "stream stopped"),
    "stream_refused": ("直播被拒绝", "stream refused"),
    "stream_protect": ("直播遮挡席位", "seat protected on the stream"),
}
