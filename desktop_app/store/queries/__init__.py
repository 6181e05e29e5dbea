"""Reads that answer one question each (no writes): what a screen, a file or a report needs."""
