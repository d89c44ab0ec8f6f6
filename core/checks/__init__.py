"""Checks that look at certificates, entries and sources and yield findings."""
