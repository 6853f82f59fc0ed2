"""Vision-language model clients: one async interface, several backends."""
