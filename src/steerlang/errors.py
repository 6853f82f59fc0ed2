"""The one exception type for problems a user can cause and fix."""


class SteerlangError(Exception):
    """Bad input or environment: the message says what is wrong and what to do.

    The CLI prints it without a traceback and exits non-zero.
    """
