//! The PostgreSQL backend, for when one machine's SQLite file is no longer enough.

use super::sql::{self, impl_store};
use super::{
    Aspiration, Community, Convening, FrameworkVersion, Invite, Member, Participant, Plan, StoreError, Teller, User,
};
use crate::domain::Role;
use crate::domain::convening::NewConvening;
use crate::domain::framework::Framework;
use crate::domain::story::{NewStory, Story};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> super::Result<Self> {
        let pool = PgPoolOptions::new().max_connections(10).connect(url).await?;
        Ok(Self { pool })
    }

    async fn run_migrations(&self) -> super::Result<()> {
        sqlx::migrate!("migrations/postgres").run(&self.pool).await?;
        Ok(())
    }
}

impl_store!(PgStore);
