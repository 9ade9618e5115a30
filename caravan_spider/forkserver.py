"""The fork server's own setup: imported by it alone, first of workers.PRELOAD.

Stopping is the crawl's. systemd's stop sends SIGTERM to every process of the unit, the fork server
among them: the pool learns of its workers' ends through the fork server, so when it died, every
worker counted as died too, and each page being parsed failed (a false parse_error). The fork
server ignores SIGTERM (its workers inherit that; SIGINT it ignores already) and ends when the
process that started it is gone, as multiprocessing has it do.
"""

import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
