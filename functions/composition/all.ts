import { composeDependencies, type Dependencies } from '../dependencies.ts';
import { s3AndKmsAnchoring } from './audit-anchoring.ts';
import { sesEmail } from './email.ts';
import { s3Manifests } from './manifests.ts';
import { stepFunctionsWorkflows } from './workflows.ts';

/** Every piece: the composition of a function that uses them all (the HTTP API). */
export const allPieces = {
  email: sesEmail,
  workflows: stepFunctionsWorkflows,
  manifests: s3Manifests,
  anchoring: s3AndKmsAnchoring,
};

/** The Lambda composition with every AWS client, configuration from the function's environment. */
export function dependenciesFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Dependencies {
  return composeDependencies(allPieces, environment);
}
