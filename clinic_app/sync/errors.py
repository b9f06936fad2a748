"""Known errors of talking to the hub, in words a clerk can act on."""

from __future__ import annotations

from clinic_app.core.errors import HubNotConfiguredError, HubUnreachableError, KnownError

__all__ = ["HubAuthError", "HubCertificateError", "HubNotConfiguredError", "HubRefusedError", "HubUnreachableError",
           "InsecureHubError"]  # HubNotConfiguredError and HubUnreachableError live in core (the window and the CLI name it)


class HubAuthError(KnownError):
    code = "hub-auth"

    def __init__(self, detail: str) -> None:
        super().__init__(
            "ระบบกลางไม่ยอมรับเครื่องนี้ โปรดให้ผู้ดูแลลงทะเบียนเครื่อง (clinic-app device-key) กับระบบกลาง",
            f"The hub did not accept this desktop ({detail}). Ask the administrator to enrol it "
            "(clinic-app device-key).",
        )


class InsecureHubError(KnownError):
    code = "insecure-hub"

    def __init__(self) -> None:
        super().__init__(
            "ที่อยู่ระบบกลางต้องเป็น https (ยกเว้นเครื่องนี้เอง) โปรดตรวจการตั้งค่า",
            "The hub address must use https (plain http only to this computer). Check the setting.",
        )


class HubRefusedError(KnownError):
    code = "hub-refused"

    def __init__(self, detail: str) -> None:
        # The hub's reason is its own English: the Thai says where to read it.
        super().__init__("ระบบกลางไม่รับคำขอนี้ (เหตุผลที่ระบบกลางแจ้งอยู่ในข้อความภาษาอังกฤษ)",
                         f"The hub refused the request: {detail}")


class HubCertificateError(KnownError):
    code = "hub-certificate"

    def __init__(self) -> None:
        super().__init__(
            "ใบรับรองความปลอดภัย (TLS) ของระบบกลางไม่น่าเชื่อถือ จึงไม่ได้ส่งข้อมูล โปรดแจ้งผู้ดูแลระบบ "
            "(อาจถูกดักข้อมูล หรือต้องตั้งค่าไฟล์ CA ขององค์กร)",
            "The hub's TLS certificate is not trusted, so nothing was sent. Tell the administrator "
            "(someone may be intercepting the link, or the organisation's CA bundle must be set).",
        )
