"""Every change to a post, in one place: check, change, record, then drop cached pages.

- `drafts`: revisions (every reader-visible field), media, comments, drafts from tips, purges;
- `review`: the redaction check and editors' decisions on its flags;
- `workflow`: review, approval under the two-person rule, publication, schedule, retraction;
- `rule`: the two-person rule's own switch (two admins) and the settings' audit.
"""

from clarion.publishing.actions.common import (
    Locked,
    Purged,
    WorkflowError,
    base_content,
    latest_readable,
    open_revision,
)
from clarion.publishing.actions.drafts import (
    comments_of,
    do_add_media,
    do_create_post,
    do_link_tip,
    do_purge_revision,
    do_redact_flagged,
    do_remove_media,
    do_request_changes,
    do_save_post,
    do_start_draft_from_tip,
    media_report,
    open_media,
    purge_problems,
    purge_quotes_of,
)
from clarion.publishing.actions.review import (
    CheckResult,
    Decision,
    decisions_of,
    do_keep_flagged,
    do_run_redaction_check,
    open_flags,
    stored_check,
    stored_flags,
)
from clarion.publishing.actions.rule import (
    do_confirm_rule_off,
    do_keep_rule_on,
    do_propose_rule_off,
    record_settings_change,
)
from clarion.publishing.actions.workflow import (
    TWO_PERSON_RULE,
    approval_problems,
    can_publish_on_time,
    do_approve_post,
    do_publish_due_posts,
    do_rearm_schedule,
    do_retract_post,
    do_submit_post,
)
from clarion.publishing.content import MediaUse, RevisionContent

__all__ = [
    "TWO_PERSON_RULE",
    "CheckResult",
    "Decision",
    "Locked",
    "MediaUse",
    "Purged",
    "RevisionContent",
    "WorkflowError",
    "approval_problems",
    "base_content",
    "can_publish_on_time",
    "comments_of",
    "decisions_of",
    "do_add_media",
    "do_approve_post",
    "do_confirm_rule_off",
    "do_create_post",
    "do_keep_flagged",
    "do_keep_rule_on",
    "do_link_tip",
    "do_propose_rule_off",
    "do_publish_due_posts",
    "do_purge_revision",
    "do_rearm_schedule",
    "do_redact_flagged",
    "do_remove_media",
    "do_request_changes",
    "do_retract_post",
    "do_run_redaction_check",
    "do_save_post",
    "do_start_draft_from_tip",
    "do_submit_post",
    "latest_readable",
    "media_report",
    "open_flags",
    "open_media",
    "open_revision",
    "purge_problems",
    "purge_quotes_of",
    "record_settings_change",
    "stored_check",
    "stored_flags",
]
