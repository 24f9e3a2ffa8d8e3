"""priority-task-dates: 攻坚第一题 dates in order.

The target date is after the day the task was set; a done date is given exactly when the
task is 已完成, and lies between the set date and the as-of date; progress notes are dated
between the task's set date and the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Issue

DONE = "已完成"


class PriorityTaskDates(Check):
    id = "priority-task-dates"
    severity = "error"
    resources = ("priority_task",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        tasks = {}
        for r in ctx.rows("priority_task"):
            tid, row = r.get("task_id"), r.get("_row")
            tasks[tid] = r
            start, target, done = r.get("set_date"), r.get("target_date"), r.get("done_date")
            status = r.get("status")
            if start is not None and start > ctx.as_of:
                yield Issue(
                    "priority_task", row, "set_date",
                    f"攻坚题 {tid} 的确定日期 {start} 晚于今天（{ctx.as_of}）。请核对日期。",
                    f"Task {tid} is set on {start}, after today ({ctx.as_of}). Check the date.",
                )  # fmt: skip
            if start is not None and target is not None and target <= start:
                yield Issue(
                    "priority_task", row, "target_date",
                    f"攻坚题 {tid} 的目标日期 {target} 不晚于确定日期 {start}。请填写计划完成的日期。",
                    f"Task {tid}'s target date {target} is not after the day it was set "
                    f"({start}). Enter the date it is meant to be solved by.",
                )  # fmt: skip
            if status == DONE and done is None:
                yield Issue(
                    "priority_task", row, "done_date",
                    f"攻坚题 {tid} 已完成，但没有写完成日期。请补上。",
                    f"Task {tid} is 已完成 (done) but has no done date. Add it.",
                )  # fmt: skip
            elif status != DONE and done is not None:
                yield Issue(
                    "priority_task", row, "done_date",
                    f"攻坚题 {tid} 的状态是“{status}”，却写了完成日期 {done}。已完成的请把状态改为"
                    "“已完成”，否则清空完成日期。",
                    f"Task {tid} is {status} but has a done date ({done}). If it is done, "
                    "set the status to 已完成; otherwise clear the date.",
                )  # fmt: skip
            elif done is not None and start is not None and done < start:
                yield Issue(
                    "priority_task", row, "done_date",
                    f"攻坚题 {tid} 的完成日期 {done} 早于确定日期 {start}。请核对这两个日期。",
                    f"Task {tid} was done on {done}, before it was set on {start}. Check both "
                    "dates.",
                )  # fmt: skip
            elif done is not None and done > ctx.as_of:
                yield Issue(
                    "priority_task", row, "done_date",
                    f"攻坚题 {tid} 的完成日期 {done} 晚于今天（{ctx.as_of}）。完成后再填写。",
                    f"Task {tid}'s done date {done} is after today ({ctx.as_of}). Fill it in "
                    "once it is done.",
                )  # fmt: skip
        for n in ctx.rows("priority_progress"):
            task = tasks.get(n.get("task_id"))
            when, row, tid = n.get("note_date"), n.get("_row"), n.get("task_id")
            if when is None:
                continue
            start = task.get("set_date") if task else None
            if start is not None and when < start:
                yield Issue(
                    "priority_progress", row, "note_date",
                    f"攻坚题 {tid} 的进展日期 {when} 早于确定日期 {start}。请核对日期。",
                    f"A progress note on task {tid} is dated {when}, before the task was set "
                    f"on {start}. Check the date.",
                )  # fmt: skip
            elif when > ctx.as_of:
                yield Issue(
                    "priority_progress", row, "note_date",
                    f"攻坚题 {tid} 的进展日期 {when} 晚于今天（{ctx.as_of}）。请核对日期。",
                    f"A progress note on task {tid} is dated {when}, after today "
                    f"({ctx.as_of}). Check the date.",
                )  # fmt: skip
