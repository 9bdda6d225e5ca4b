use super::Error;

/// What a signed-in account may do: `Admin` is Kommunledningskontoret, `Owner` an
/// objektägare bound to one owner record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Owner { owner_id: i32 },
}

impl Role {
    /// The role's name, as accounts keep it and actor labels show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Owner { .. } => "owner",
        }
    }

    /// The role an account's name and owner record make; `None` for a pair that makes
    /// no sense (an owner bound to no record, an unknown name), which then acts as
    /// nobody.
    pub fn from_parts(name: &str, owner_id: Option<i32>) -> Option<Self> {
        match (name, owner_id) {
            ("admin", _) => Some(Role::Admin),
            ("owner", Some(owner_id)) => Some(Role::Owner { owner_id }),
            _ => None,
        }
    }

    /// The owner record an account of this role is bound to.
    pub fn owner_id(self) -> Option<i32> {
        match self {
            Role::Admin => None,
            Role::Owner { owner_id } => Some(owner_id),
        }
    }
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

    /// Whoever presented API token `token_id` of account `account_id`.
    pub fn of_token(token_id: i32, account_id: i32, role: Role) -> Self {
        Self {
            account_id: Some(account_id),
            role,
            label: format!("token:{token_id} ({})", role.as_str()),
        }
    }

    /// Whoever holds dashboard session `session_id` of account `account_id`.
    pub fn of_session(session_id: i32, account_id: i32, role: Role) -> Self {
        Self {
            account_id: Some(account_id),
            role,
            label: format!("session:{session_id} ({})", role.as_str()),
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
        self.role.owner_id()
    }

    /// Owners read their own services only; admins read all.
    pub fn may_read_owned_by(&self, owner_id: Option<i32>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Owner { owner_id: mine } => owner_id == Some(mine),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_role_reads_back_and_a_senseless_one_is_nobody() {
        for role in [Role::Admin, Role::Owner { owner_id: 7 }] {
            assert_eq!(Role::from_parts(role.as_str(), role.owner_id()), Some(role));
        }
        assert_eq!(Role::from_parts("admin", Some(3)), Some(Role::Admin));
        assert_eq!(Role::from_parts("owner", None), None);
        assert_eq!(Role::from_parts("root", None), None);
    }

    #[test]
    fn the_audit_log_names_tokens_and_sessions_with_their_role() {
        let token = Actor::of_token(3, 9, Role::Admin);
        assert_eq!(
            (token.label.as_str(), token.account_id),
            ("token:3 (admin)", Some(9))
        );
        let session = Actor::of_session(12, 4, Role::Owner { owner_id: 2 });
        assert_eq!(session.label, "session:12 (owner)");
        assert_eq!(session.owner_scope(), Some(2));
    }
}
