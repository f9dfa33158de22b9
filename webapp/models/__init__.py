"""SQLAlchemy tables. Business rules live in webapp.services."""

from webapp.models.accounts import NETWORK_ROLES, ROLE_LABELS, ROLES, Membership, Organisation, User
from webapp.models.attachments import Attachment, AttachmentContent
from webapp.models.audit import AuditEvent
from webapp.models.cases import (
    Case,
    CaseCounter,
    CaseSubject,
    Contribution,
    Task,
    Timer,
)
from webapp.models.comments import CaseComment
from webapp.models.disclosure import IDENTIFIERS, Disclosure, PartnerQuestion
from webapp.models.drafts import TaskDraft
from webapp.models.evaluation import (
    CaseEvent,
    CaseEventMonth,
    CaseEventMonthState,
    PartnerProfile,
    PartnerProfileRevision,
)
from webapp.models.involvement import Involvement, SharedItem
from webapp.models.notifications import Notification, NotificationEvent, NotificationSettings
from webapp.models.process_drafts import ProcessDraft, ProcessScenario
from webapp.models.processes import ProcessVersion, WorkbenchSetting
from webapp.models.safeguards import ClosedTask, DenialTally, LoginLock, RoleGrant
from webapp.models.types import utcnow

__all__ = [
    "NETWORK_ROLES", "ROLES", "ROLE_LABELS", "AuditEvent", "Case", "CaseComment", "CaseCounter",
    "CaseSubject", "Contribution", "Membership", "Organisation", "ProcessVersion", "Task",
    "TaskDraft", "Timer", "User", "ProcessDraft",
    "utcnow", "Involvement", "SharedItem", "ProcessScenario", "WorkbenchSetting",
    "Notification", "NotificationEvent", "NotificationSettings",
    "Attachment", "AttachmentContent", "Disclosure", "IDENTIFIERS", "PartnerQuestion",
    "CaseEvent", "CaseEventMonth", "CaseEventMonthState", "PartnerProfile",
    "PartnerProfileRevision",
    "ClosedTask", "DenialTally", "LoginLock", "RoleGrant",
]
