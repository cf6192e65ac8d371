import { type EndUser, endUserMetadata } from "../kit/end-user/index.js";
import { type CallContext, type ClientCallOptions, RpcError, Status } from "../kit/index.js";
import type { EdgeDependencies } from "./dependencies.js";

// Profile ids never change once created, so the only bound is memory.
const maxCachedProfiles = 100_000;

/**
 * Finds the profile id of a signed-in user (their token names only the provider's subject) and
 * builds the options of a call made for them: the end-user metadata and the caller's deadline.
 */
export class Profiles {
  private readonly userIds = new Map<string, string>();

  constructor(private readonly users: EdgeDependencies["users"]) {}

  /** Call options for a call made for the context's end user (none for anonymous calls). */
  async callOptions(context: CallContext): Promise<ClientCallOptions> {
    const { endUser } = context;
    if (!endUser) return { parent: context };
    const userId = await this.userIdOf(endUser, context);
    const forwarded: EndUser = userId ? { ...endUser, userId } : endUser;
    return { parent: context, metadata: endUserMetadata(forwarded) };
  }

  /** Remembers a profile made at sign-up. */
  remember(subject: string, userId: string): void {
    if (this.userIds.size >= maxCachedProfiles) this.userIds.clear();
    this.userIds.set(subject, userId);
  }

  private async userIdOf(endUser: EndUser, context: CallContext): Promise<string | undefined> {
    const known = this.userIds.get(endUser.subject);
    if (known) return known;
    try {
      const profile = await this.users.getCurrentUser(
        {},
        { parent: context, metadata: endUserMetadata(endUser) },
      );
      this.remember(endUser.subject, profile.id);
      return profile.id;
    } catch (error) {
      // Not signed up yet: the call goes on without a profile and the service decides.
      if (error instanceof RpcError && error.code === Status.NOT_FOUND) return undefined;
      throw error;
    }
  }
}
