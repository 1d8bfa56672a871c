"""The company above its properties: which properties a company role sees, their figures side by side, and setting up
a new property. It reads the other domain packages; none of them reads it."""
