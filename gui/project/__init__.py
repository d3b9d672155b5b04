"""The open project: its document and undo history, the live session, files, exports, examples, and the context
the project's commands receive instead of the window."""
