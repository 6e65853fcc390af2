"""One error hierarchy; every message says what went wrong and what to do.

    MonitorError
     +-- ConfigError       the config file is wrong (names the file, line/key and the fix)
     +-- FetchError        a page could not be fetched (network, HTTP status, size, type)
     +-- ExtractionError   a fetched page holds no usable document (challenge, login, empty)
     +-- StorageError      the database is unreachable or its schema is not ours
     +-- DeliveryError     a notification channel refused or failed a message
"""


class MonitorError(Exception):
    """Base of every error policy-monitor raises on purpose."""


class ConfigError(MonitorError):
    """The configuration is invalid."""


class FetchError(MonitorError):
    """A page could not be fetched."""


class ExtractionError(MonitorError):
    """A fetched page holds no usable document."""


class StorageError(MonitorError):
    """The database cannot be used."""


class DeliveryError(MonitorError):
    """A notification could not be delivered."""
