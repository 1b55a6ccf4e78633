"""Helpers for the database tests: one-shot queries and content digests to compare databases."""
from __future__ import annotations

from sandbox.postgres import query

__all__ = ["digest", "query"]


def digest(server, dbname: str) -> dict:
    """{table: (row count, md5 of its rows in order)} for every table in schema public."""
    tables = [row[0] for row in query(server, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                              "ORDER BY tablename", dbname=dbname)]
    return {table: tuple(query(server, f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '
                                       f'FROM public."{table}" AS t', dbname=dbname)[0]) for table in tables}
