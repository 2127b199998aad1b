//! Planner runs as background jobs: a steward's request returns at once to a page that
//! refreshes itself (and has a refresh link, for browsers without it) until the plan is
//! saved. At most `[planner] max_jobs` run at once on the server and
//! `max_jobs_per_community` per community, so one community's large plans can neither
//! hold the server nor crowd out the others.

use super::plan::{Msg, PlanForm};
use crate::secret::new_token;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where one planner run stands.
#[derive(Debug, Clone)]
pub enum JobState {
    Running,
    /// Saved as this plan.
    Done(i64),
    /// Refused by the planner: messages, and the form as typed to show again.
    Failed(Vec<Msg>, Box<PlanForm>),
}

#[derive(Debug, Clone)]
pub struct Job {
    pub community_id: i64,
    pub convening_id: i64,
    pub started: Instant,
    pub state: JobState,
}

/// Every job of this process (finished ones are forgotten after an hour).
pub struct PlanJobs {
    jobs: Mutex<HashMap<String, Job>>,
    global: Arc<tokio::sync::Semaphore>,
}

/// Why a job did not start.
#[derive(Debug, PartialEq, Eq)]
pub enum Busy {
    /// This community already runs its share.
    Community(usize),
    /// The server runs as many as it may.
    Server(usize),
}

impl PlanJobs {
    pub fn new(max_jobs: usize) -> Self {
        Self { jobs: Mutex::new(HashMap::new()), global: Arc::new(tokio::sync::Semaphore::new(max_jobs.max(1))) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a job if its community and the server have room; returns its id and the
    /// permit it holds while it runs.
    pub fn start(
        &self,
        community_id: i64,
        convening_id: i64,
        per_community: usize,
    ) -> Result<(String, tokio::sync::OwnedSemaphorePermit), Busy> {
        let mut jobs = self.lock();
        jobs.retain(|_, j| matches!(j.state, JobState::Running) || j.started.elapsed().as_secs() < 3600);
        let running =
            jobs.values().filter(|j| j.community_id == community_id && matches!(j.state, JobState::Running)).count();
        if running >= per_community.max(1) {
            return Err(Busy::Community(per_community.max(1)));
        }
        let permit = Arc::clone(&self.global).try_acquire_owned().map_err(|_| Busy::Server(jobs.len()))?;
        let id = new_token();
        jobs.insert(id.clone(), Job { community_id, convening_id, started: Instant::now(), state: JobState::Running });
        Ok((id, permit))
    }

    pub fn finish(&self, id: &str, state: JobState) {
        if let Some(j) = self.lock().get_mut(id) {
            j.state = state;
        }
    }

    pub fn get(&self, id: &str) -> Option<Job> {
        self.lock().get(id).cloned()
    }

    /// Jobs running now (metrics).
    pub fn running(&self) -> usize {
        self.lock().values().filter(|j| matches!(j.state, JobState::Running)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_community_runs_its_share_and_the_server_its_limit() {
        let jobs = PlanJobs::new(2);
        let (a, _pa) = jobs.start(1, 10, 1).unwrap();
        assert_eq!(jobs.start(1, 11, 1).unwrap_err(), Busy::Community(1));
        let (_b, _pb) = jobs.start(2, 20, 1).unwrap();
        assert!(matches!(jobs.start(3, 30, 1), Err(Busy::Server(_))), "two at once on the server");
        jobs.finish(&a, JobState::Done(7));
        assert!(matches!(jobs.get(&a).unwrap().state, JobState::Done(7)));
        assert_eq!(jobs.running(), 1);
    }
}
