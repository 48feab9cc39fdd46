"""Bedtime Magnesium: an Alexa skill answering bedtime questions about one article."""
