"""Annotation modules: each turns one episode into staging rows."""
