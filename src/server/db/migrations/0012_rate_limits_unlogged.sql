-- Rate-limit counters need no durability (after a crash a window simply starts again), and the copy updates one
-- per copy: an unlogged table spares that write its WAL.
ALTER TABLE "rate_limits" SET UNLOGGED;
