//! The state of the run in progress on one VM, shared by its bindings and its instruction hook.

use std::time::{Duration, Instant, SystemTime};

use crate::request::{ErrorKind, Session};

pub(crate) struct RunState {
    /// True while a request runs (the hook does nothing otherwise).
    pub active: bool,
    pub body: Vec<u8>,
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub headers_sent: bool,
    pub session: Session,
    pub start_wall: SystemTime,
    pub deadline: Instant,
    pub time_budget: Duration,
    pub instructions: u64,
    pub instruction_budget: u64,
    /// Set (and kept) once a budget is exceeded: every later hook call raises again, so a script cannot
    /// `pcall` its way past the limit.
    pub exceeded: Option<ErrorKind>,
    /// Where the budget error was raised (`file:line`).
    pub exceeded_at: Option<String>,
    /// The interface and network the request selected, and its view of the interface.
    pub iface: crate::iface_view::Selection,
    /// The entity a check script runs on, and what the script asked for it.
    pub check: crate::checks::CheckSlot,
}

impl RunState {
    pub fn idle() -> Self {
        let now = Instant::now();
        RunState {
            active: false,
            body: Vec::new(),
            status: 200,
            content_type: None,
            headers: Vec::new(),
            headers_sent: false,
            session: Session::nologin(),
            start_wall: SystemTime::now(),
            deadline: now,
            time_budget: Duration::ZERO,
            instructions: 0,
            instruction_budget: 0,
            exceeded: None,
            exceeded_at: None,
            iface: Default::default(),
            check: Default::default(),
        }
    }

    /// Starts a run.
    pub fn begin(&mut self, session: Session, time_budget: Duration, instruction_budget: u64) {
        let now = Instant::now();
        *self = RunState {
            active: true,
            session,
            start_wall: SystemTime::now(),
            deadline: now + time_budget,
            time_budget,
            instruction_budget,
            ..RunState::idle()
        };
    }

    /// The message of a budget error.
    pub fn budget_message(&self) -> String {
        let what = match self.exceeded {
            Some(ErrorKind::InstructionBudget) => {
                format!("script exceeded its instruction budget ({} Lua instructions)", self.instruction_budget)
            }
            Some(ErrorKind::TimeBudget) => {
                format!("script exceeded its time budget ({} ms)", self.time_budget.as_millis())
            }
            _ => "script stopped".to_string(),
        };
        match &self.exceeded_at {
            Some(at) => format!("{at}: {what}"),
            None => what,
        }
    }

    /// Marks the time budget exceeded (used by bindings that wait).
    pub fn time_exceeded(&mut self, at: Option<String>) {
        if self.exceeded.is_none() {
            self.exceeded = Some(ErrorKind::TimeBudget);
            self.exceeded_at = at;
        }
    }
}
