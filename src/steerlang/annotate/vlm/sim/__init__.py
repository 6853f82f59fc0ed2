"""The simulated VLM: answers every pipeline request from a synthetic dataset's ground truth."""
