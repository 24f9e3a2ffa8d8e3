"""The committee tools: the workbook, import and export, scaffolding, encodings,
CODEOWNERS, the pull request summary, the intake of uploaded workbooks."""
