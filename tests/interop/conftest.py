"""Print the client x worker table at the end of any run that included the matrix."""

from __future__ import annotations

from typing import Any

from .test_matrix import NAMES, RESULTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    width = max(len(name) for name in NAMES)
    columns = [max(len(name), 4) for name in NAMES]
    write = terminalreporter.write_line
    write("")
    write("Mixed-language matrix (rows: client, columns: worker)")
    write(" " * width + " | " + " | ".join(n.ljust(c) for n, c in zip(NAMES, columns, strict=True)))
    write("-" * width + "-|-" + "-|-".join("-" * c for c in columns))
    for client in NAMES:
        cells = []
        for worker, column in zip(NAMES, columns, strict=True):
            cell = RESULTS.get((client, worker))
            mark = "-" if cell is None else ("pass" if cell.passed else "FAIL")
            cells.append(mark.ljust(column))
        write(client.ljust(width) + " | " + " | ".join(cells))
    failed = [(key, cell) for key, cell in RESULTS.items() if not cell.passed]
    for (client, worker), cell in failed:
        write(f"  {client} x {worker}: {'; '.join(cell.problems)}")
