"""gunicorn settings that hold in every deployment; gunicorn reads this file from the working
directory (or ``--config gunicorn.conf.py``). The README's production command adds the address,
the workers and ``--access-logfile -``.

The access log line has no query string and no referrer: both can carry personal data (a clerk's
admin search ``?q=<an applicant's name>``, a visitor's search words), and the log is kept and read
outside the app. What is left: client address, time, method, path, protocol, status, size,
duration in milliseconds and user agent.
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
