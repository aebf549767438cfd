// The maintenance part of the Store (online backup, retention prune): implemented by the data work.
export interface MaintenanceStore {}
