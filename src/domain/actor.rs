use super::Error;

/// What a signed-in account may do: `Admin` is Kommunledningskontoret, `Owner` an
/// objektägare bound to one owner record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Owner { owner_id: i32 },
}

/// Who is acting: recorded in the audit log and checked before every operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<i32>,
    pub role: Role,
    /// How the audit log names the actor, e.g. `token:3 (admin)` or `cli`.
    pub label: String,
}

impl Actor {
    /// The command line runs with the operating-system user's authority.
    pub fn cli() -> Self {
        Self {
            account_id: None,
            role: Role::Admin,
            label: "cli".into(),
        }
    }

    /// Scheduled jobs act as the system.
    pub fn system() -> Self {
        Self {
            account_id: None,
            role: Role::Admin,
            label: "system".into(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self) -> Result<(), Error> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only Kommunledningskontoret (admin) may do this".into(),
            ))
        }
    }

    /// The owner record an owner is restricted to; `None` for admins (no restriction).
    pub fn owner_scope(&self) -> Option<i32> {
        match self.role {
            Role::Admin => None,
            Role::Owner { owner_id } => Some(owner_id),
        }
    }

    /// Owners read their own services only; admins read all.
    pub fn may_read_owned_by(&self, owner_id: Option<i32>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Owner { owner_id: mine } => owner_id == Some(mine),
        }
    }
}
