"""Policy selection.  (Interface; implementation in progress.)"""
