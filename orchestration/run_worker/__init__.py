"""Run workers started from a process that has already loaded the code location."""
