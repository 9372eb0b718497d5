"""The faults table of the case-file record: the hearing ledger's alarms, the controller's gaps and failed
commands in plain words, each with its effect on the recording and whether it goes into the Art.4 statement (a
recorder that cannot be reached is "state unknown", with which other recorder was recording meanwhile; a clean
stop of the controller is the controller's gap, with what the recorders said when it came back). The drivers'
own words go into the appendix. ``record.py`` builds the record with it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from controller.hearing.ledger import AlarmSpan, FaultRow, GapSpan, HearingLedger, UnknownSpan
from controller.hearing.record_text import Lang, action_text, device_name, duration_text, person, when_json
from controller.journal import Actor, Kind


class RecordContext:
    """What one build needs at hand (the ledger, the language, the zone, the names, the appendix) and the faults
    table's lines it writes from the ledger's alarms, gaps and failed commands."""

    def __init__(self, ledger: HearingLedger, lang: Lang, zone: ZoneInfo, names: dict[str, str], end: int) -> None:
        self.ledger, self.lang, self.zone, self.names, self.end = ledger, lang, zone, names, end
        self.appendix: list[dict[str, Any]] = []

    def zh(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def dev(self, device: str | None) -> str:
        return device_name(device, self.names, self.lang)

    def who(self, actor: Actor | None) -> str:
        return person(actor, self.lang, self.names)

    def raw(self, device: str | None, text: str | None) -> int | None:
        """Put a driver's own words into the appendix; returns their number."""
        if not text:
            return None
        self.appendix.append(
            {"n": len(self.appendix) + 1, "device": device, "device_name": self.dev(device), "raw": text}
        )
        return len(self.appendix)

    def item(
        self,
        kind: str,
        device: str | None,
        span: tuple[int, int | None],
        text: str,
        effect: str,
        *,
        severity: str,
        raw: int | None = None,
        affects: bool = False,
    ) -> dict[str, Any]:
        """One line of the faults table; ``affects``: it goes into the Art.4 statement."""
        from_ts, to_ts = span
        return {
            "kind": kind,
            "severity": severity,
            "device": device,
            "device_name": self.dev(device),
            "from": when_json(from_ts, self.zone),
            "to": when_json(to_ts, self.zone),
            "duration_ms": None if to_ts is None else to_ts - from_ts,
            "text": text,
            "effect": effect,
            "raw": raw,
            "affects_recording": affects,
        }

    def meanwhile(self, device: str | None, from_ts: int, to_ts: int | None) -> str:
        others = sorted(
            {self.dev(s.device) for s in self.ledger.recording_during(device or "", from_ts, to_ts or self.end)}
        )
        if others:
            return self.zh(f"期间{'、'.join(others)}在录像", f"{', '.join(others)} recorded meanwhile")
        return self.zh("期间没有其他录像机确认在录像", "no other recorder was confirmed recording meanwhile")

    # -- faults -------------------------------------------------------------------------------------------
    def alarm(self, a: AlarmSpan) -> dict[str, Any]:
        d, span = self.dev(a.device), duration_text((a.to_ts or self.end) - a.from_ts)
        raw = self.raw(a.device, a.message)
        if a.kind == "not_recording":
            if a.device is None:
                text = self.zh("软件录像文件停止增长", "a software recording's files stopped growing")
            else:
                text = self.zh(f"{d}报告未在录像", f"{d} reported it was not recording")
            effect = self.zh(f"该录像中断 {span}；", f"this recording stopped for {span}; ") + self.meanwhile(
                a.device, a.from_ts, a.to_ts
            )
            return self.item(
                a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=True
            )
        if a.kind == "recorder_unreachable":
            return self.unreachable(a, raw)
        if a.kind == "disk_low":
            text = self.zh(f"{d}存储空间不足", f"{d} was short of disk space")
            effect = self.zh("录像未中断", "the recording continued")
            return self.item(
                a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=False
            )
        if a.kind == "journal_unavailable":
            text = self.zh("控制系统日志无法写入", "the controller's journal could not write")
            effect = self.zh(
                "期间庭审操作与设备指令均被拒绝；录像本身不受影响",
                "hearing operations and device commands were refused meanwhile; the recording itself was not affected",
            )
            return self.item(
                a.kind, None, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=False
            )
        text = self._quiet_text(a, d)
        effect = self.zh("不影响录像", "no effect on the recording")
        return self.item(
            a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity=a.severity, raw=raw, affects=False
        )

    def _quiet_text(self, a: AlarmSpan, d: str) -> str:
        seat = a.id.rsplit(":", 1)[-1] if a.kind.startswith("audio_") else ""
        texts = {
            "device_offline": (f"{d}无响应（离线）", f"{d} did not answer (offline)"),
            "display_off": (f"{d}处于关闭状态", f"{d} was off"),
            "audio_silent": (f"{d}的“{seat}”席位话筒无声音", f"seat '{seat}' on {d} was silent"),
            "audio_clipping": (f"{d}的“{seat}”席位音量过大（削波）", f"seat '{seat}' on {d} was clipping"),
            "video_no_signal": (f"{d}无画面信号", f"{d} had no picture"),
            "video_black": (f"{d}画面全黑", f"{d}'s picture was black"),
            "video_frozen": (f"{d}画面冻结", f"{d}'s picture was frozen"),
        }
        zh, en = texts.get(a.kind, (f"{d}：{a.kind}", f"{d}: {a.kind}"))
        return self.zh(zh, en)

    def unreachable(self, a: AlarmSpan, raw: int | None) -> dict[str, Any]:
        d = self.dev(a.device)
        text = self.zh(
            f"与{d}的控制连接中断，录像状态不明", f"the control line to {d} was down: recording state unknown"
        )
        unseen = next(
            (
                u
                for u in self.ledger.unknowns
                if u.device == a.device
                and u.why == "unreachable"
                and u.from_ts <= (a.to_ts or self.end)
                and (u.to_ts or self.end) >= a.from_ts
            ),
            None,
        )
        outcome, affects = self.outcome(unseen, a.device)
        effect = outcome + self.zh("；", "; ") + self.meanwhile(a.device, a.from_ts, a.to_ts)
        return self.item(
            a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=affects
        )

    def outcome(self, unseen: UnknownSpan | None, device: str | None) -> tuple[str, bool]:
        """What the recorder said when it was seen again, and whether the recording may have suffered."""
        d = self.dev(device)
        if unseen is None:
            return self.zh(f"{d}此前未在录像", f"{d} was not recording before"), False
        if unseen.outcome == "continued":
            same = unseen.proof == "clip"
            proof = self.zh(
                "同一文件仍在录像" if same else "时码连续走动",
                "the same clip still recording" if same else "its timecode ran on",
            )
            return self.zh(
                f"恢复后{d}报告{proof}，录像未中断",
                f"when seen again {d} reported {proof}: the recording was not interrupted",
            ), False
        if unseen.outcome == "stopped":
            return self.zh(
                f"恢复后{d}报告已停止录像，停止时间不明", f"when seen again {d} had stopped recording, when is unknown"
            ), True
        if unseen.outcome == "other_clip":
            return self.zh(
                f"恢复后{d}报告在录制另一文件，期间录像可能中断",
                f"when seen again {d} was recording another clip: the recording may have been interrupted",
            ), True
        if unseen.outcome == "recording":
            return self.zh(
                f"恢复后{d}报告正在录像，但无法证明期间未曾中断",
                f"when seen again {d} was recording, but nothing proves it recorded throughout",
            ), True
        return self.zh(f"{d}的录像状态直至记录结束仍不明", f"{d}'s state stayed unknown to the end"), True

    def gap(self, g: GapSpan) -> dict[str, Any]:
        text = (
            self.zh("控制系统停止运行（正常停止）", "the controller was stopped (a clean stop)")
            if g.clean
            else self.zh("控制系统意外终止（未正常停止）", "the controller ended abruptly (killed)")
        )
        unseen = [u for u in self.ledger.unknowns if u.why == "controller" and u.from_ts == g.from_ts]
        parts, affects = [], False
        for u in unseen:
            said, bad = self.outcome(u, u.device)
            parts.append(said)
            affects = affects or bad
        if not parts:
            parts.append(self.zh("此时没有录像机在录像", "no recorder was recording at the time"))
        effect = self.zh("期间无人监控录像；", "nobody watched the recording meanwhile; ") + self.zh("；", "; ").join(
            parts
        )
        return self.item(
            "controller_gap",
            None,
            (g.from_ts, g.to_ts),
            text,
            effect,
            severity="critical" if affects else "warning",
            raw=None,
            affects=affects,
        )

    def fault(self, f: FaultRow) -> dict[str, Any]:
        d, act = self.dev(f.device), action_text(f.action, self.lang)
        raw = self.raw(f.device, f.error)
        if f.kind == Kind.RECOVERY_ATTEMPT:
            if f.ok:
                text = self.zh(f"控制系统重新启动了{d}的录像", f"the controller restarted {d}'s recording")
                return self.item(
                    f.kind,
                    f.device,
                    (f.ts, None),
                    text,
                    self.zh("录像恢复", "recording restored"),
                    severity="info",
                    raw=raw,
                    affects=False,
                )
            text = self.zh(f"控制系统重新启动{d}的录像失败", f"the controller could not restart {d}'s recording")
            return self.item(
                f.kind,
                f.device,
                (f.ts, None),
                text,
                self.zh("录像未恢复", "recording not restored"),
                severity="critical",
                raw=raw,
                affects=True,
            )
        text = self.zh(f"向{d}发送“{act}”指令失败", f"the '{act}' command to {d} failed")
        recording = f.action == "record"
        effect = (
            self.zh("该录像机未按指令开始录像", "this recorder did not start recording")
            if recording
            else self.zh("不影响录像", "no effect on the recording")
        )
        return self.item(
            f.kind,
            f.device,
            (f.ts, None),
            text,
            effect,
            severity="critical" if recording else "warning",
            raw=raw,
            affects=recording,
        )
