# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # PostgreSQL connection options shared by the lacrei.rollback database modules
    # (plugins/module_utils/postgres.py POSTGRES_CONNECTION_SPEC).
    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - Host (or unix socket folder) of the server. Unset leaves libpq's default (E(PGHOST)).
    type: str
    aliases: [host]
  login_port:
    description: Port of the server. Unset leaves libpq's default (E(PGPORT), 5432).
    type: int
    aliases: [port]
  login_user:
    description: Role to connect as. Unset leaves libpq's default (E(PGUSER), the OS user).
    type: str
    aliases: [user]
  login_password:
    description:
      - Password of O(login_user). Passed to the PostgreSQL tools in E(PGPASSWORD), never on the
        command line. Unset leaves E(PGPASSWORD) or the pgpass file.
    type: str
  passfile:
    description: A pgpass file to use (E(PGPASSFILE)).
    type: path
  maintenance_db:
    description: Database to connect to for server-level statements (version, CREATE/ALTER DATABASE).
    type: str
    default: postgres
  connect_timeout:
    description: Seconds to wait for a connection (E(PGCONNECT_TIMEOUT)).
    type: int
    default: 10
  pg_bindir:
    description:
      - Folder searched first for C(psql), C(pg_dump), C(pg_restore) (for example the output of
        C(pg_config --bindir)); then E(PATH).
    type: path
"""
