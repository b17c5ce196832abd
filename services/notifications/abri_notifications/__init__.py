"""Abri notifications service.

Who is told what, on which channel, in which language: email, SMS, in-app and webhooks.
"""
