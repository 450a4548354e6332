"""The access audit log: who looked at or took out applicants' data, when, from where.

Its own small app (label ``audit``) at the bottom of the layers: the request admin, the ledger
export, the letters and the personal-data reveal call ``services.audit_record``; it imports
nothing of the domains (docs/audit.md).
"""
