"""The engine: waiting, milestones, single-flight and the creation flows.

Its I/O parts (a record reader, a limiter, a clock, a bus) come as arguments.
"""
