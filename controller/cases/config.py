"""``cases:`` in the room config: where the court's case system is, how to log in, how its fields are named."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from controller.model import PublicityReason

DEFAULT_REASONS: dict[str, PublicityReason] = {
    "国家秘密": "state_secret",
    "涉及国家秘密": "state_secret",
    "个人隐私": "privacy",
    "涉及个人隐私": "privacy",
    "未成年人": "minor",
    "未成年人犯罪": "minor",
    "涉及未成年人": "minor",
    "state_secret": "state_secret",
    "privacy": "privacy",
    "minor": "minor",
}
"""The case system's words for why a case is not public; anything else is ``other`` (its words are kept)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldMap(_Strict):
    """Where each fact is in the case system's answer: dotted paths (``data.ajlb``), relative to one hearing
    below ``cases``. The defaults read the common pinyin-keyed shape (the simulator's)."""

    cases: str = "data.ajlb"  # the list of the day's hearings in the answer
    id: str = "ajbs"  # the case system's key of the hearing (案件标识)
    case_no: str = "ah"  # 案号
    cause: str = "ay"  # 案由
    start: str = "kssj"  # 开始时间
    parties: str = "dsr"  # 当事人: a list of names, or of objects with party_name (and party_role)
    party_name: str = "mc"
    party_role: str | None = "ssdw"  # 诉讼地位, put before the name ("原告 张三")
    judges: str = "spry"  # 审判人员: a list of names, or of objects with judge_name (and judge_role)
    judge_name: str = "xm"
    judge_role: str | None = "js"
    clerk: str = "sjy"  # 书记员
    publicity: str = "gkzt"  # 公开状态
    publicity_reason: str = "bgkyy"  # 不公开原因
    public_values: list[str] = Field(default_factory=lambda: ["公开", "public", "1", "true", "yes"])
    reasons: dict[str, PublicityReason] = Field(default_factory=lambda: dict(DEFAULT_REASONS))


class CaseSystemConfig(_Strict):
    """The case system's schedule endpoint: ``GET <url>?<room_param>=<court_room>&<date_param>=<yyyy-mm-dd>``."""

    url: str = Field(pattern=r"^https?://")
    court_room: str | None = None  # the room's id in the case system (default: the room's own id)
    room_param: str = "room"
    date_param: str = "date"
    token_file: Path | None = None  # sent as "Authorization: Bearer <token>"
    client_cert: Path | None = None  # a client certificate (PEM) for TLS client authentication
    client_key: Path | None = None
    ca_file: Path | None = None  # the CA that signed the case system's certificate (default: the system's CAs)
    refresh_s: float = Field(300.0, ge=5, le=86400)  # read again this often (and on demand)
    timeout_s: float = Field(5.0, gt=0, le=120)  # a slower answer counts as unreachable
    fields: FieldMap = FieldMap()

    @model_validator(mode="after")
    def _pairs(self) -> CaseSystemConfig:
        if (self.client_cert is None) != (self.client_key is None):
            raise ValueError("client_cert and client_key: give both or neither")
        return self
