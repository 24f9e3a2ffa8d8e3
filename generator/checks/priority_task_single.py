"""priority-task-single: one task 进行中 at a time — 攻坚第一题 is the ONE problem the
estate tackles first; a second open task is a warning on each one after the first."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Issue

OPEN = "进行中"


class PriorityTaskSingle(Check):
    id = "priority-task-single"
    severity = "warning"
    resources = ("priority_task",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        open_tasks = [r for r in ctx.rows("priority_task") if r.get("status") == OPEN]
        first = open_tasks[0] if open_tasks else None
        for r in open_tasks[1:]:
            yield Issue(
                "priority_task", r.get("_row"), "status",
                f"攻坚题 {first.get('task_id')} 和 {r.get('task_id')} 都是“进行中”。攻坚第一题是小区"
                "先集中解决的那一个问题：请把其中一题改为“已搁置”或“已完成”，或并为一题。",
                f"Tasks {first.get('task_id')} and {r.get('task_id')} are both 进行中 (open). "
                "The priority task is the ONE problem the estate tackles first: set one to "
                "已搁置 (shelved) or 已完成 (done), or merge them.",
            )  # fmt: skip
