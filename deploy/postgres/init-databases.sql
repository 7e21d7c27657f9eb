-- One database per service: services share no tables and talk only through Kafka.
-- Run by the postgres image on first start (empty data volume) from /docker-entrypoint-initdb.d,
-- as POSTGRES_USER against POSTGRES_DB. Idempotent, so it can be re-run on an existing volume
-- after adding a service:
--   docker compose exec postgres psql -U passerelle -d postgres -f /docker-entrypoint-initdb.d/init-databases.sql
-- Databases of services that do not exist yet are created now so they need no manual step later.

SELECT 'CREATE DATABASE intake' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'intake')\gexec
SELECT 'CREATE DATABASE notifications' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'notifications')\gexec
SELECT 'CREATE DATABASE casework' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'casework')\gexec
SELECT 'CREATE DATABASE housing' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'housing')\gexec
SELECT 'CREATE DATABASE audit' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'audit')\gexec
SELECT 'CREATE DATABASE console' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'console')\gexec
