import OptKit

/// Who may do what (contracts: Identity and roles), in one place so the authorization matrix
/// in docs/api.md, the OpenAPI document and the tests describe the same rules.
///
/// | action | admin | engineer | viewer |
/// |---|---|---|---|
/// | read stats, models, config | yes | yes | yes |
/// | read sessions, subscribe to their real-time events | all | own | all |
/// | start a session, upload a model | yes | yes | no |
/// | cancel a session | any | own | no |
/// | change config, delete a model, read /metrics outside dev | yes | no | no |
public enum AccessPolicy {
    /// The caller, if their role is at least `role`; 401 without a token, 403 with too low a role.
    public static func require(_ role: UserRole, _ context: AppRequestContext, to action: String) throws(APIError) -> Identity {
        let identity = try context.requireIdentity()
        guard identity.role >= role else {
            throw APIError.forbidden("\(identity.role.rawValue) users cannot \(action); it needs the \(role.rawValue) role")
        }
        return identity
    }

    /// Admins and viewers see every session; an engineer sees their own.
    public static func canRead(_ session: Session, by identity: Identity) -> Bool {
        canRead(sessionOwnedBy: session.owner, by: identity)
    }

    /// The same rule when only the owner is known (the real-time channel's event routing).
    public static func canRead(sessionOwnedBy owner: String, by identity: Identity) -> Bool {
        readsEverySession(identity.role) || owner == identity.name
    }

    /// Whether a role reads every session rather than only its own.
    public static func readsEverySession(_ role: UserRole) -> Bool {
        role != .engineer
    }

    /// Admins cancel any session; engineers their own; viewers none.
    public static func canCancel(_ session: Session, by identity: Identity) -> Bool {
        switch identity.role {
        case .admin: true
        case .engineer: session.owner == identity.name
        case .viewer: false
        }
    }

    /// The list filter an identity is held to: engineers see only their own sessions.
    public static func restrict(_ filter: SessionFilter, for identity: Identity) -> SessionFilter {
        identity.role == .engineer ? filter.owned(by: identity.name) : filter
    }
}
