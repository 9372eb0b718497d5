"""The journal's words for the catalogue (controller/texts.py): what `courtroom journal verify` finds.

Kept apart from the console's words only to keep each module a few screens long; ``texts.CATALOGUE`` holds
them all, and ``texts.text()`` reads them as it reads any other key.
"""

from __future__ import annotations

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
    "verify.problem.wrong_key": (
        "检查点的签名密钥为 {signer}，不是本法庭的密钥 {room_key}",
        "the checkpoint is signed with key {signer}, not the room's key {room_key}",
    ),
    "verify.problem.forged": (
        "检查点的签名校验失败（被伪造或改动）",
        "the checkpoint's signature does not verify (it was forged or altered)",
    ),
}
