"""The hash-chained audit log: who did what to which subject, when; never content.

Below accounts in the layers (`vault, scrub <- audit, web <- accounts <- intake ...`): every
app records through `clarion.audit.log.record`, and nothing here imports accounts, intake,
casework or publishing. A subject is named by its type and id (`SubjectType`), not by a
foreign key, so that destroying a tip or a person never rewrites the log.
"""
