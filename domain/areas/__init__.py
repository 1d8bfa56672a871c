"""Each property assistant's area (负责区域, 1.2.1-1.2.14): buildings or floors, its assistant and deputy."""
