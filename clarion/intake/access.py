"""Decide what a source opens: their tip by the receipt they hold, a reply's file by their session.

A source has no account. What identifies them is a credential they hold: the receipt at
login, then the session that login started (`SourceSession`, whose sealing key lives only
in their cookie). Each gatekeeper takes that credential as its actor and, like every
`access_*` function, returns the object or raises Http404, with one answer for "missing"
and "not yours".
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy

from clarion import vault
from clarion.intake.actions import SourceAccess, derive_receipt
from clarion.intake.models import KeyWrap, Message, TipFile
from clarion.intake.source_session import SourceSession
from clarion.vault import Receipt

NOT_FOUND = gettext_lazy("No tip matches this receipt.")


def access_tip_for_source(*, receipt: Receipt) -> SourceAccess:
    """Return the tip a receipt opens and its conversation key; Http404 for unknown and wrong receipts.

    Both outcomes cost the same one Argon2id pass, so timing tells no receipt apart.
    """
    receipt_keys = derive_receipt(receipt)
    wrap = (
        KeyWrap.objects.select_related("tip", "tip__channel")
        .filter(holder=KeyWrap.Holder.SOURCE, tip__lookup_id=receipt_keys.lookup_id)
        .first()
    )
    if wrap is None:
        raise Http404(NOT_FOUND)
    try:
        secrets_ = vault.unwrap_secrets(bytes(wrap.wrapped), [receipt_keys.keypair.identity])
    except vault.DecryptionError:
        raise Http404(NOT_FOUND) from None
    return SourceAccess(tip=wrap.tip, conversation_identity=secrets_["conversation"])


def access_reply_file_for_source(*, session: SourceSession, file_id: int) -> TipFile:
    """Return a file a reviewer attached to a reply on the session's own tip; Http404 otherwise.

    Another tip's file answers as a missing one. The files the source sent are not offered
    back: whoever takes over an open session (a shared or seized device) would otherwise get
    the originals, metadata and all, and the source already holds them.
    """
    tip_file = TipFile.objects.filter(pk=file_id).select_related("message").first()
    if tip_file is None:
        raise Http404
    if tip_file.tip_id != session.tip.pk:
        raise Http404
    if tip_file.message is None:
        raise Http404
    if tip_file.message.author != Message.Author.REVIEWER:
        raise Http404
    tip_file.tip = session.tip
    return tip_file
