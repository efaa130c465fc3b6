"""The demo tenant: a fictional company, written for this project (see README.md here)."""
