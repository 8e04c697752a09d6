#!/usr/bin/python3
"""Run one notebook headlessly with the Deno kernel and keep every output it sends.

Usage:
    execute.py NOTEBOOK OUTPUT [--timeout SECONDS] [--grace SECONDS] [--kernel NAME]
    execute.py --check [--kernel NAME]

The Deno kernel may publish a cell's outputs after it has reported the cell idle (its
stdout is forwarded asynchronously, and timers fire after the cell returns).
`jupyter nbconvert --execute` stops listening at idle and drops those outputs. This
executor files every iopub message under the cell whose request it answers, whenever
it arrives (the kernel stamps late stdout with its cell's request even once the next
cell runs), and after each cell keeps reading until the channel has been quiet for a
grace period, so outputs of timers the cell left running land in that cell too.

The kernel inherits this process's environment (so `DIMO_PROFILE` reaches the
notebook) and runs in the notebook's folder, as it would under Jupyter. Writes the
executed notebook (nbformat 4) to OUTPUT even when a cell fails (a cell that times out
keeps the outputs it sent and ends with a TimeoutError output), prints one JSON
summary line on stdout, and exits 1 naming the notebook and cell on an error output,
a timeout or a dead kernel; 2 on bad usage or a missing prerequisite.
"""

import argparse
import json
import os
import queue
import sys
import time

KERNEL = "deno"
# Quiet seconds before shutting the kernel down: outputs later than this are lost for good,
# whereas mid-notebook stragglers are still filed under their cell when they arrive.
FINAL_GRACE = 1.0
# Seconds a timed-out cell's pending outputs are still collected before its error is recorded.
TIMEOUT_DRAIN = 2.0
INSTALL_HINT = (
    "install Jupyter with: sudo apt-get install jupyter-nbconvert python3-nbclient "
    "jupyter-client python3-ipykernel"
)
KERNEL_HINT = "install the Deno kernel with: deno jupyter --install"


class CellFailure(Exception):
    """A cell produced an error output, timed out, or its kernel died."""


def main():
    args = parse_args()
    check_prerequisites(args.kernel)
    if args.check:
        print(json.dumps({"ok": True, "python": sys.executable, "kernel": args.kernel}))
        return 0
    import nbformat

    nb = nbformat.read(args.notebook, as_version=4)
    started = time.monotonic()
    failure = None
    try:
        NotebookRun(nb, args).run()
    except CellFailure as error:
        failure = str(error)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    nbformat.write(nb, args.output)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    print(json.dumps({
        "notebook": args.notebook,
        "cells": len(code_cells),
        "outputs": sum(len(cell.outputs) for cell in code_cells),
        "seconds": round(time.monotonic() - started, 2),
        "ok": failure is None,
        "error": failure,
    }))
    if failure:
        print(f"{args.notebook}: {failure}", file=sys.stderr)
        return 1
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description="Execute a notebook with the Deno kernel.")
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--grace", type=float, default=0.5,
                        help="quiet seconds after idle before the next cell (default 0.5)")
    parser.add_argument("--kernel", default=KERNEL, help=f"kernel spec name (default {KERNEL})")
    parser.add_argument("--check", action="store_true", help="only check the prerequisites")
    args = parser.parse_args()
    if not args.check and not (args.notebook and args.output):
        parser.error("NOTEBOOK and OUTPUT are required unless --check is given")
    return args


def check_prerequisites(kernel):
    try:
        import jupyter_client  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as error:
        exit_with(f"{sys.executable} cannot import {error.name}; {INSTALL_HINT}")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        exit_with(f"no Jupyter kernel spec named '{kernel}'; {KERNEL_HINT}")
    program = spec.argv[0]
    if os.path.isabs(program) and not os.access(program, os.X_OK):
        exit_with(f"the '{kernel}' kernel spec runs {program}, which is missing; {KERNEL_HINT}")


def exit_with(message):
    print(f"execute.py: {message}", file=sys.stderr)
    sys.exit(2)


class NotebookRun:
    """One kernel executing one notebook's code cells in order."""

    def __init__(self, nb, args):
        self.nb = nb
        self.args = args
        self.outputs_by_msg = {}  # execute request msg_id -> that cell's output list
        self.clear_pending = set()  # msg_ids whose clear_output(wait=True) awaits the next output
        self.displays = {}  # display_id -> outputs that update_display_data replaces

    def run(self):
        from jupyter_client.manager import KernelManager

        manager = KernelManager(kernel_name=self.args.kernel)
        cwd = os.path.dirname(os.path.abspath(self.args.notebook))
        manager.start_kernel(cwd=cwd, env=dict(os.environ))
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            self.manager, self.client = manager, client
            self.describe_kernel()
            code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
            for cell in code_cells:  # no stale outputs after a failure
                cell.outputs, cell.execution_count = [], None
            for number, cell in enumerate(code_cells, start=1):
                self.execute(cell, number)
            self.drain(max(self.args.grace, FINAL_GRACE))
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)

    def describe_kernel(self):
        """Records the kernel and language in the notebook's metadata, as Jupyter does."""
        spec = self.manager.kernel_spec
        self.nb.metadata["kernelspec"] = {
            "name": self.args.kernel, "display_name": spec.display_name, "language": spec.language,
        }
        self.client.kernel_info()
        info = self.client.get_shell_msg(timeout=30)["content"]
        if "language_info" in info:
            self.nb.metadata["language_info"] = info["language_info"]

    def execute(self, cell, number):
        """Runs one cell; returns after its reply, idle status and a quiet grace period."""
        if not cell.source.strip():
            return
        where = f"cell {number} (first line: {cell.source.strip().splitlines()[0][:60]!r})"
        msg_id = self.client.execute(cell.source, store_history=True, allow_stdin=False,
                                     stop_on_error=True)
        self.outputs_by_msg[msg_id] = cell.outputs
        deadline = time.monotonic() + self.args.timeout
        reply = None
        idle = False
        while reply is None or not idle:
            if time.monotonic() > deadline:
                self.manager.interrupt_kernel()
                self.record_timeout(cell)
                raise CellFailure(f"{where} timed out after {self.args.timeout:g} s")
            if not self.manager.is_alive():
                raise CellFailure(f"{where}: the kernel died")
            idle = self.read_iopub(0.1, msg_id) or idle
            reply = reply or self.read_reply(msg_id)
        self.drain(self.args.grace)
        if reply["content"].get("execution_count") is not None:
            cell.execution_count = reply["content"]["execution_count"]
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if errors or reply["content"]["status"] != "ok":
            detail = errors[0] if errors else reply["content"]
            raise CellFailure(f"{where} failed: {detail.get('ename')}: {detail.get('evalue')}")

    def record_timeout(self, cell):
        """Keeps what the cell has sent so far and ends its outputs with an error naming the
        timeout, so the saved notebook shows where and why the run stopped."""
        import nbformat

        self.drain(self.args.grace, limit=TIMEOUT_DRAIN)
        seconds = f"{self.args.timeout:g}"
        cell.outputs.append(nbformat.v4.new_output(
            "error",
            ename="TimeoutError",
            evalue=f"the cell ran past the executor's limit of {seconds} s a cell and was stopped",
            traceback=[f"TimeoutError: cell stopped after {seconds} s (execute.py --timeout {seconds})"],
        ))

    def read_reply(self, msg_id):
        try:
            msg = self.client.get_shell_msg(timeout=0)
        except queue.Empty:
            return None
        return msg if msg["parent_header"].get("msg_id") == msg_id else None

    def drain(self, grace, limit=None):
        """Reads iopub until nothing has arrived for `grace` seconds, or for at most `limit`
        seconds when given (a cell still running may never fall quiet)."""
        started = quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < grace:
            if limit is not None and time.monotonic() - started > limit:
                return
            if self.read_iopub(0.05, None) is not None:
                quiet_since = time.monotonic()

    def read_iopub(self, timeout, idle_for):
        """Files one iopub message under its cell; None if none came, else whether it is
        the idle status of request `idle_for`."""
        try:
            msg = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        parent = msg["parent_header"].get("msg_id")
        kind = msg["msg_type"]
        if kind == "status":
            return parent == idle_for and msg["content"]["execution_state"] == "idle"
        if kind == "update_display_data":
            self.update_display(msg["content"])
        elif parent in self.outputs_by_msg:
            self.add_output(parent, msg)
        return False

    def add_output(self, parent, msg):
        import nbformat

        outputs = self.outputs_by_msg[parent]
        kind = msg["msg_type"]
        if kind == "clear_output":
            if msg["content"].get("wait"):
                self.clear_pending.add(parent)
            else:
                outputs.clear()
            return
        if kind not in ("stream", "display_data", "execute_result", "error"):
            return
        if parent in self.clear_pending:
            self.clear_pending.discard(parent)
            outputs.clear()
        output = nbformat.v4.output_from_msg(msg)
        display_id = msg["content"].get("transient", {}).get("display_id")
        if display_id:
            self.displays.setdefault(display_id, []).append(output)
        last = outputs[-1] if outputs else None
        if kind == "stream" and last and last.output_type == "stream" and last.name == output.name:
            last.text += output.text  # one output per uninterrupted stream, as Jupyter shows it
        else:
            outputs.append(output)

    def update_display(self, content):
        display_id = content.get("transient", {}).get("display_id")
        for output in self.displays.get(display_id, []):
            output.data = content["data"]
            output.metadata = content.get("metadata", {})


if __name__ == "__main__":
    sys.exit(main())
