"""Abri guarantees service.

Guarantee funds, their policies, guarantee files, visas and unpaid-rent claims.
"""
