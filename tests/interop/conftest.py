"""Print the client x worker table at the end of any run that included the matrix."""

from __future__ import annotations

from typing import Any

from .test_matrix import NAMES, RESULTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    width = max(len(name) for name in NAMES)
    write = terminalreporter.write_line
    write("")
    write("Mixed-language matrix (rows: client, columns: worker)")
    write(" " * width + " | " + " | ".join(NAMES))
    write("-" * width + "-|-" + "-|-".join("-" * len(name) for name in NAMES))
    for client in NAMES:
        cells = []
        for worker in NAMES:
            cell = RESULTS.get((client, worker))
            mark = "-" if cell is None else ("pass" if cell.passed else "FAIL")
            cells.append(mark.ljust(len(worker)))
        write(client.ljust(width) + " | " + " | ".join(cells))
    failed = [(key, cell) for key, cell in RESULTS.items() if not cell.passed]
    for (client, worker), cell in failed:
        write(f"  {client} x {worker}: {'; '.join(cell.problems)}")
