"""The nightly reminder, one folder: `clock` (time arithmetic, no SDK), `service` (the
Alexa Reminders and settings APIs) and `dialog` (what the listener hears).

Importing the package loads nothing: `service` and its SDK models load with the first
reminder question, not at cold start.
"""
