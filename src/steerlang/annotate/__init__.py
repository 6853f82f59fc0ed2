"""The annotation pipeline: modules, VLM clients, frames, staging, validation, writing."""
