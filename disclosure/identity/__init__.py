"""Staff identity: how a person proves who they are before the admin opens.

Its own small app (label ``identity``), above the audit log and the roles: the password rules
(``passwords.py``), the lockout after failed logins (django-axes, ``lockout.py``), the second
factor (django-otp's TOTP and recovery codes: who needs it ``policy.py``, enrolment and checks
``services.py``, the pages ``views.py``), the idle timeout and the second-factor gate
(``middleware.py``), and the admin of lockouts and authenticators (``admin.py``).
docs/identity.md.
"""
