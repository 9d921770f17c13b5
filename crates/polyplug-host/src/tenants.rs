//! Tenants: whom a call is for ([`Plugin::for_tenant`](crate::Plugin::for_tenant)),
//! what each has used, and its fuel budget per second from the policy
//! (`[tenants.<id>] fuel-per-second = …`), enforced before every call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What a tenant's calls have used since the host started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantUsage {
    /// Fuel used by its calls, all plugins together (0 unless the host meters fuel).
    pub fuel_used: u64,
    /// Calls made for it.
    pub calls: u64,
    /// Calls refused because its budget for the second was used up.
    pub refused: u64,
    /// Its budget, from the policy.
    pub fuel_per_second: Option<u64>,
}

/// One tenant's account: shared by every handle made for it.
pub(crate) struct Tenant {
    pub(crate) id: Arc<str>,
    budget: Option<u64>,
    /// The secret names its calls may read, when the policy lists them
    /// (given to each instance made for it, shared, not copied).
    pub(crate) secret_names: Option<Arc<[String]>>,
    fuel_used: AtomicU64,
    calls: AtomicU64,
    refused: AtomicU64,
    /// The second being counted (since the host's start) and the fuel used in it.
    window: Mutex<(u64, u64)>,
    epoch: Instant,
}

impl Tenant {
    /// Whether a call may start now: `Err(budget)` when the tenant has used
    /// its budget for the current second.
    pub(crate) fn admit(&self) -> Result<(), u64> {
        if let Some(budget) = self.budget {
            let second = self.epoch.elapsed().as_secs();
            let window = self.window.lock().unwrap_or_else(|e| e.into_inner());
            if window.0 == second && window.1 >= budget {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return Err(budget);
            }
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Counts `fuel` used by a call that just ended.
    pub(crate) fn charge(&self, fuel: u64) {
        self.fuel_used.fetch_add(fuel, Ordering::Relaxed);
        if self.budget.is_some() {
            let second = self.epoch.elapsed().as_secs();
            let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
            if window.0 != second {
                *window = (second, 0);
            }
            window.1 = window.1.saturating_add(fuel);
        }
    }

    pub(crate) fn usage(&self) -> TenantUsage {
        TenantUsage {
            fuel_used: self.fuel_used.load(Ordering::Relaxed),
            calls: self.calls.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            fuel_per_second: self.budget,
        }
    }
}

/// Every tenant a host has made calls for, by id.
#[derive(Default)]
pub(crate) struct Tenants {
    accounts: Mutex<HashMap<Arc<str>, Arc<Tenant>>>,
}

impl Tenants {
    /// The account of `id`, made on first use with what the policy gives it.
    pub(crate) fn account(&self, id: &str, policy: &polyplug_policy::Policy) -> Arc<Tenant> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tenant) = accounts.get(id) {
            return tenant.clone();
        }
        let id: Arc<str> = Arc::from(id);
        let grant = policy.tenants.get(&*id);
        let tenant = Arc::new(Tenant {
            id: id.clone(),
            budget: grant.and_then(|t| t.fuel_per_second),
            secret_names: grant.and_then(|t| t.secrets.as_deref()).map(Arc::from),
            fuel_used: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            window: Mutex::new((0, 0)),
            epoch: Instant::now(),
        });
        accounts.insert(id, tenant.clone());
        tenant
    }

    /// The usage of `id`, if any call was made for it.
    pub(crate) fn usage(&self, id: &str) -> Option<TenantUsage> {
        self.accounts.lock().unwrap_or_else(|e| e.into_inner()).get(id).map(|t| t.usage())
    }
}
