"""Service tickets: repairs, complaints, help, inquiries and service requests (SOPs 5-7, 9, 10, 13)."""
