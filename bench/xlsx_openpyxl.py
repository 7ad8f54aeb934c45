"""openpyxl's write-only mode on the rows of server/examples/xlsx_bench.rs (the line
export's 14 columns), for comparison with our XLSX writer.

    pip install openpyxl && python3 bench/xlsx_openpyxl.py 1000000
"""
import datetime
import os
import resource
import sys
import tempfile
import time

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    ids = [f"0b5c3a4e-{i:04x}-4000-8000-{i * 7919:012x}" for i in range(64)]
    notes = ["Bon état", "À réparer", "'=HYPERLINK(\"x\")", None]
    t0 = datetime.datetime(2026, 1, 1, 9, 0, 0)
    start = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Lignes")
    header = []
    for name in ["Ticket", "Date du ticket", "Statut du ticket", "Poste", "Saisie différée", "Bénévole", "Ligne",
                 "Saisie de la ligne", "Catégorie", "Catégorie parente", "Poids (kg)", "Destination", "Sortie", "Notes"]:
        c = WriteOnlyCell(ws, value=name)
        c.font = Font(bold=True)
        header.append(c)
    ws.append(header)
    for i in range(n):
        at = t0 + datetime.timedelta(seconds=i * 30)
        w = WriteOnlyCell(ws, value=((i * 7919) % 50_000 + 1) / 1000)
        w.number_format = "0.000"
        d1 = WriteOnlyCell(ws, value=at)
        d1.number_format = "yyyy-mm-dd hh:mm:ss"
        d2 = WriteOnlyCell(ws, value=at + datetime.timedelta(seconds=5))
        d2.number_format = "yyyy-mm-dd hh:mm:ss"
        ws.append([ids[i // 8 % 64], d1, "closed", ids[i // 200 % 64], "oui" if i % 50 == 0 else "non", "Bénévole 07",
                   ids[i % 64], d2, "Petit électroménager", "Électroménager (DEEE)", w, "revente",
                   "oui" if i % 9 == 0 else "non", notes[i % 4]])
    path = os.path.join(tempfile.mkdtemp(), "out.xlsx")
    wb.save(path)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"rows {n}  total {took:.2f} s  file {os.path.getsize(path) / 1e6:.1f} MB  peak RSS {peak} MB")


if __name__ == "__main__":
    main()
