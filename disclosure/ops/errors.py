class OpsError(Exception):
    """A refusal or a failure of a backup or restore, in a message the operator reads (Chinese).

    The commands turn it into a ``CommandError``: the message on stderr, exit status 1.
    """
